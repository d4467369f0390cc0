package show

import (
	"fmt"
	"io"
	"time"

	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// LoginSummary tells the person who signed in, where, under which profile,
// and until when the token is good.
func LoginSummary(w io.Writer, name, configPath string, p *oob.Profile, now time.Time) {
	fmt.Fprintf(w, "Signed in to %s as %s.\n", termsafe.Text(p.Site(), termsafe.MaxServerText), p.User.Describe())
	fmt.Fprintf(w, "Profile %q saved in %s (now current).\n", name, configPath)
	switch {
	case p.Token.Expiry.IsZero():
		fmt.Fprintln(w, "The access token carries no expiry.")
	default:
		fmt.Fprintf(w, "The access token %s", when.Expiry(p.Token.Expiry, now))
		if p.Token.RefreshToken != "" {
			fmt.Fprint(w, "; cells-oob token refreshes it")
		}
		fmt.Fprintln(w, ".")
	}
}
