#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The reStructuredText documents parse without a docutils warning (broken
# section references such as `Sessions`_, bad tables, bad indentation).
# One TAP line per document.
{
set -u
cd "$(dirname "$0")/.." || exit 1
rc=0
for f in Documentation/*.rst; do
	if out=$(python3 - "$f" 2>&1 <<'PY'
import io, sys
import docutils.core
err = io.StringIO()
docutils.core.publish_string(open(sys.argv[1]).read(), writer_name="null",
                             settings_overrides={"warning_stream": err,
                                                 "report_level": 2,
                                                 "halt_level": 5})
sys.stdout.write(err.getvalue())
sys.exit(1 if err.getvalue() else 0)
PY
	); then
		echo "ok - $f: docutils clean"
	else
		echo "not ok - $f: docutils"
		echo "$out" | sed 's/^/#   /'
		rc=1
	fi
done
exit $rc
}
