#include "report/xml.h"

#include <string.h>

void rp_xml_escape(FILE *f, const char *s)
{
	while (s && *s) {
		/* the longest run that needs nothing, at once */
		size_t n = 0;
		unsigned char c;

		for (; (c = (unsigned char)s[n]) && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'' &&
		       (c >= 0x20 || c == '\t' || c == '\n'); n++)
			;
		if (n) {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc('?', f);
		}
		s++;
	}
}
