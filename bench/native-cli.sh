# Sourced (from the project root) by the bench scripts that drive the native CLI: sets $cli,
# builds it when missing, makes build/bench and prints the machine.
cli=build/native/src/cli/tandem
[ -x "$cli" ] || bash scripts/build.sh
mkdir -p build/bench
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
