#!/bin/bash
# The long storm variant (issue #4): STRESS_CYCLES (default 300)
# teardown/reconnect cycles and 30 logout/login cycles under fio verify, in
# one VM boot (cases 20 and 22), with a generous time budget.
{
cd "$(dirname "$0")/.."
export STRESS_CYCLES=${STRESS_CYCLES:-300}
export VM_TIMEOUT=${VM_TIMEOUT:-7200} CASE_TIMEOUT=${CASE_TIMEOUT:-7000}
exec tests/vm/run.sh 20 22
}
