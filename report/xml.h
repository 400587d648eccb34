/* xml.h — escaping text for XML/HTML output. */
#ifndef PL_REPORT_XML_H
#define PL_REPORT_XML_H

#include <stdio.h>

/* Write s escaped for element text and attribute values (& < > " '); characters XML 1.0
 * cannot hold (control bytes other than tab/newline) become '?'. NULL writes nothing. */
void rp_xml_escape(FILE *f, const char *s);

#endif
