#!/bin/bash
# valgrind.sh BUILD_DIR [criterion args...] — the test suite with every pinglab program
# (pinglab, pinglab-gen, pinglab-responder, pinglab-mockllm, pinglab-echod, and what they start) under
# valgrind memcheck: wrappers in BUILD_DIR/valgrind/bin stand in for the programs
# (PINGLAB_BUILD points the tests at them), each process writes its own log, and any
# error — an invalid read or write, a use of uninitialised memory, a definite or
# indirect leak — fails the run and is printed. `make valgrind` runs it.
set -u
build=${1:?usage: valgrind.sh BUILD_DIR [criterion args]}
shift
vg=$build/valgrind
rm -rf "$vg"
mkdir -p "$vg/bin" "$vg/logs"
# the responders become nobody after opening tun0 (and fork as nobody): their log files
# must be creatable by any uid
chmod 1777 "$vg/logs"
for p in pinglab pinglab-gen pinglab-responder pinglab-mockllm pinglab-echod; do
	# the system's own programs (ip, ping, sh, tshark) and valgrind itself run natively
	cat >"$vg/bin/$p" <<WRAP
#!/bin/sh
exec valgrind -q --vgdb=no --trace-children=yes --trace-children-skip='/usr/*,/bin/*,/sbin/*,$vg/bin/*' \\
	--leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
	--error-exitcode=97 --log-file=$vg/logs/%p.log $build/$p "\$@"
WRAP
	chmod +x "$vg/bin/$p"
done
# the profiles and prompts are found next to the real programs (their /proc/self/exe)
PINGLAB_BUILD=$vg/bin PINGLAB_VALGRIND=1 "$build/pinglab-tests" "$@"
status=$?
logs=$(find "$vg/logs" -name '*.log' | wc -l)
bad=$(find "$vg/logs" -name '*.log' -size +0)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "==== $f"
		cat "$f"
	done
	echo "valgrind: $(echo "$bad" | wc -l) of $logs processes reported errors" >&2
	exit 1
fi
echo "valgrind: $logs processes of pinglab programs checked, no errors, no definite or indirect leaks"
exit $status
