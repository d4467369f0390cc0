package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/gateway"
)

// TestE2ERecipes runs the recipes of the README's "Use the session from
// other tools" as they are written there, in a shell, against the gateway
// stand-in; $URL stands for the server. Run with -v to see what each
// prints.
func TestE2ERecipes(t *testing.T) {
	bin := builtBinary(t)
	needTool(t, "curl", "curl")
	front := gateway.NewTest(t, cellsop.Options{})
	cfg := signInWithCLI(t, front.Provider)
	// A home of the user's own, without the runner's AWS settings.
	env := append(newS3Client(t, front, cfg).env, "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "CELLS_OOB_CONFIG="+cfg, "URL="+front.URL)
	p := storedProfile(t, cfg)

	awsEndpoint := ""
	recipes := []struct {
		name, tool, script, want string
	}{
		{"aws CLI", "aws", `cells-oob export --aws --write && aws --profile cells s3 ls s3://io/` + "$AWS_ENDPOINT", "PRE personal-files/"},
		{"aws CLI, a file", "aws", `aws --profile cells s3 cp s3://io/personal-files/hello.txt -` + "$AWS_ENDPOINT", "Hello from Cells"},
		{"rclone", "rclone", `rclone config create cells s3 provider=Other env_auth=true endpoint="$URL" >/dev/null && AWS_PROFILE=cells rclone lsf cells:io/personal-files`, "hello.txt"},
		{"curl", "", `cells-oob token --header | curl -sS -H @- "$URL/oidc/userinfo"`, `"preferred_username":"` + cellsop.Username + `"`},
		{"WebDAV", "", `cells-oob exec -- sh -c 'printf "user = \"%s:%s\"\n" admin "$CELLS_TOKEN" | curl -sS -K- -X PROPFIND -H "Depth: 1" "$CEC_URL/dav/"'`, "<href>/dav/personal-files/</href>"},
		{"WebDAV, a file", "", `cells-oob exec -- sh -c 'printf "user = \"%s:%s\"\n" admin "$CELLS_TOKEN" | curl -sS -K- "$CEC_URL/dav/personal-files/hello.txt"'`, "Hello from Cells"},
		{"cec's variables", "", `cells-oob exec -- sh -c 'echo "cec would reach $CEC_URL with a token of ${#CEC_TOKEN} characters"'`, "cec would reach " + front.URL + " with a token of "},
	}
	for _, r := range recipes {
		t.Run(r.name, func(t *testing.T) {
			if r.tool == "aws" {
				needTool(t, "aws", "awscli")
				if !awsReadsEndpointURL(t) {
					awsEndpoint = ` --endpoint-url "$URL"`
				}
			}
			if r.tool == "rclone" {
				needTool(t, "rclone", "rclone")
			}
			cmd := exec.Command("sh", "-c", r.script)
			cmd.Env = append(env, "AWS_ENDPOINT="+awsEndpoint)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), r.want) {
				t.Errorf("%s: %v\n%s\nwant %q in it", r.script, err, out, r.want)
			}
			assertNoSecrets(t, string(out), p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken)
			t.Logf("$ %s\n%s", r.script, out)
		})
	}
}
