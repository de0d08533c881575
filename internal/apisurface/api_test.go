package apisurface_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// plumbing matches the names of the tasklet<->scheduler contract
// (internal/core) that the public API must not show (issue 15).
var plumbing = regexp.MustCompile(
	`\b(Runtime|Blocker|Revocable|Park|Ready|Init|KillPanic|KillSignal)\b|\bCancel\(|\bDescribe\(|\bOwner\(\) any`)

// goTool returns the go command that runs the test (go test provides it)
// and the module's root directory.
func goTool(t *testing.T) (goCmd, root string) {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err)
	out, err := exec.Command(goCmd, "list", "-m", "-f", "{{.Dir}}").Output()
	require.NoError(t, err)
	return goCmd, strings.TrimSpace(string(out))
}

// publicPackages lists the module's importable packages outside internal/
// and examples/.
func publicPackages(t *testing.T, goCmd string) []string {
	t.Helper()
	out, err := exec.Command(goCmd, "list", "github.com/stackless-go/stackless/...").Output()
	require.NoError(t, err)
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p, "/internal/") && !strings.Contains(p, "/examples/") {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// Issue 15 item 5: `go doc -all` of every public package names none of
// the runtime plumbing: user code sees tasklets, schedulers, channels and
// locks, nothing else.
func TestIssue15PublicAPIListsNoRuntimePlumbing(t *testing.T) {
	defer goleak.VerifyNone(t)
	goCmd, _ := goTool(t)
	pkgs := publicPackages(t, goCmd)
	for _, want := range []string{"tasklet", "scheduler", "channel", "locks", "watchdog"} {
		assert.Contains(t, pkgs, "github.com/stackless-go/stackless/"+want)
	}
	// Control: the pattern finds the plumbing where it lives.
	out, err := exec.Command(goCmd, "doc", "-all", "github.com/stackless-go/stackless/internal/core").CombinedOutput()
	require.NoError(t, err, "%s", out)
	found := map[string]bool{}
	for _, m := range plumbing.FindAllString(string(out), -1) {
		found[m] = true
	}
	for _, name := range []string{"Runtime", "Blocker", "Revocable", "Park", "Ready", "Init", "KillSignal", "Cancel(", "Describe("} {
		assert.True(t, found[name], "the pattern misses %s in internal/core", name)
	}

	for _, pkg := range pkgs {
		out, err := exec.Command(goCmd, "doc", "-all", pkg).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for i, line := range strings.Split(string(out), "\n") {
			if m := plumbing.FindString(line); m != "" {
				assert.Failf(t, "runtime plumbing in the public API",
					"%s, line %d of go doc -all: %q in %q", pkg, i+1, m, line)
			}
		}
	}
}

// Issue 15 item 5: the misuse the issue names (a tasklet reaching its
// runtime to let itself into a held Lock) does not compile from outside
// the module, and neither does naming the private contract. Each program
// is built in a module of its own that requires this one through a
// replace directive (offline: go.sum is this module's); the control
// program proves that the harness builds what does compile.
func TestIssue15RuntimePlumbingDoesNotCompile(t *testing.T) {
	defer goleak.VerifyNone(t)
	goCmd, root := goTool(t)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		imports string
		body    string
		wantErr string // "" : it compiles
	}{
		{"control", ``, `_ = t.Name()`, ""},
		{"t.Runtime()", ``, `t.Runtime().Ready(nil, nil, false)`,
			`t.Runtime undefined (type *tasklet.Tasklet has no field or method Runtime)`},
		{"t.Owner()", ``, `_ = t.Owner()`, `t.Owner undefined`},
		{"internal/core", `"github.com/stackless-go/stackless/internal/core"`,
			`_ = (*core.Task)(t)`, `use of internal package github.com/stackless-go/stackless/internal/core not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			gomod := "module example.com/apimisuse\n\ngo 1.26\n\n" +
				"require github.com/stackless-go/stackless v0.0.0\n\n" +
				"replace github.com/stackless-go/stackless => " + root + "\n"
			src := "package main\n\nimport (\n\t\"github.com/stackless-go/stackless/scheduler\"\n\t" + tt.imports + "\n)\n\n" +
				"func main() {\n\ts, _ := scheduler.New()\n\tt := s.Main()\n\t" + tt.body + "\n}\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
			cmd := exec.Command(goCmd, "build", "-o", os.DevNull, ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod")
			out, err := cmd.CombinedOutput()
			if tt.wantErr == "" {
				assert.NoError(t, err, "%s", out)
				return
			}
			assert.Error(t, err, "compiled")
			assert.Contains(t, string(out), tt.wantErr)
		})
	}
}
