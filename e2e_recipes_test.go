package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/gateway"
)

// docPages are the pages whose examples the recipes come from: the README
// and every page under docs/.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages under docs/ (%v)", err)
	}
	return append([]string{"README.md"}, pages...)
}

// codeLines maps every line inside a fenced code block of the pages to
// the page it is on.
func codeLines(t *testing.T, pages []string) map[string]string {
	t.Helper()
	lines := map[string]string{}
	for _, page := range pages {
		f, err := os.Open(page)
		if err != nil {
			t.Fatal(err)
		}
		in := false
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), " \t")
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				in = !in
				continue
			}
			if in {
				if _, seen := lines[line]; !seen {
					lines[line] = page
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
	}
	return lines
}

// asRun turns a line as the docs print it into the line run against the
// stand-in: the docs' server is $URL, their user the test provider's.
var asRun = strings.NewReplacer(
	"https://cells.example.com", "$URL",
	" alice ", " "+cellsop.Username+" ",
)

// TestE2ERecipes runs the recipes of the README and of every page under
// docs/ (cec, the aws CLI, rclone, curl, WebDAV, exec) as they are written
// there, in a shell, against the gateway stand-in: each recipe is found by
// its lines in a code block of some page, so a block moved to another page
// is still run, and one that is gone or changed fails here. The docs'
// server, https://cells.example.com, becomes $URL, and their user alice
// the test provider's. Run with -v to see what each prints.
func TestE2ERecipes(t *testing.T) {
	lines := codeLines(t, docPages(t))
	recipes := []struct {
		name, tool string
		doc        []string // lines of a code block, run joined by &&
		want       string   // in the output, $URL being the server's
	}{
		{"the demo's userinfo", "", []string{`cells-oob token --header | curl -sS -H @- "$URL/oidc/userinfo"`}, `"preferred_username":"` + cellsop.Username + `"`},
		{"aws CLI", "aws", []string{`cells-oob export --aws --write && aws --profile cells s3 ls s3://io/`}, "PRE personal-files/"},
		{"aws CLI, a file", "aws", []string{`aws --profile cells s3 cp s3://io/personal-files/hello.txt -`}, "Hello from Cells"},
		{"rclone", "rclone", []string{
			`cells-oob export --aws --write`,
			`rclone config create cells s3 provider=Other env_auth=true endpoint=https://cells.example.com`,
			`AWS_PROFILE=cells rclone lsf cells:io/personal-files`,
		}, "hello.txt"},
		{"curl", "", []string{`cells-oob token --header | curl -sS -H @- https://cells.example.com/oidc/userinfo`}, `"preferred_username":"` + cellsop.Username + `"`},
		{"WebDAV", "", []string{`cells-oob exec -- sh -c 'printf "user = \"%s:%s\"\n" alice "$CELLS_TOKEN" | curl -sS -K- -X PROPFIND -H "Depth: 1" "$CEC_URL/dav/"'`}, "<href>/dav/personal-files/</href>"},
		{"WebDAV, a file", "", []string{`cells-oob exec -- sh -c 'printf "user = \"%s:%s\"\n" alice "$CELLS_TOKEN" | curl -sS -K- "$CEC_URL/dav/personal-files/hello.txt"'`}, "Hello from Cells"},
		// cec itself needs a real Cells server: sh reads its variables.
		{"cec's variables", "", []string{`cells-oob exec -- sh -c 'echo "cec would reach $CEC_URL with a token of ${#CEC_TOKEN} characters"'`}, "cec would reach $URL with a token of "},
	}
	// Every recipe is on a page before anything is built.
	for _, r := range recipes {
		for _, l := range r.doc {
			if _, ok := lines[l]; !ok {
				t.Errorf("recipe %q: no code block of README.md or docs/*.md holds the line\n\t%s", r.name, l)
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	bin := builtBinary(t)
	needTool(t, "curl", "curl")
	front := gateway.NewTest(t, cellsop.Options{})
	cfg := signInWithCLI(t, front.Provider)
	// A home of the user's own, without the runner's AWS settings.
	env := append(newS3Client(t, front, cfg).env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "CELLS_OOB_CONFIG="+cfg, "URL="+front.URL)
	p := storedProfile(t, cfg)

	for _, r := range recipes {
		t.Run(r.name, func(t *testing.T) {
			script := asRun.Replace(strings.Join(r.doc, " && "))
			if r.tool == "aws" {
				needTool(t, "aws", "awscli")
				if !awsReadsEndpointURL(t) {
					script += ` --endpoint-url "$URL"`
				}
			}
			if r.tool == "rclone" {
				needTool(t, "rclone", "rclone")
			}
			cmd := exec.Command("sh", "-c", script)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			want := strings.ReplaceAll(r.want, "$URL", front.URL)
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("%s: %v\n%s\nwant %q in it", script, err, out, want)
			}
			assertNoSecrets(t, string(out), p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
			t.Logf("%s: $ %s\n%s", lines[r.doc[0]], script, out)
		})
	}
}
