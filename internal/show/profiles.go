package show

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// Profiles summarizes every profile in c, sorted by name, at now.
func Profiles(c *oob.Config, now time.Time) []ProfileSummary {
	list := make([]ProfileSummary, 0, len(c.Profiles))
	for _, name := range c.Names() {
		list = append(list, Summarize(c, name, c.Profiles[name], now))
	}
	return list
}

// ProfilesJSON is list as an indented JSON array ending in a newline.
func ProfilesJSON(list []ProfileSummary) ([]byte, error) { return jsonout.Encode(list) }

// WriteProfiles writes list as a table for people: the current profile
// marked with *, then each profile's name, user, server and when its access
// token expires, relative to now. An empty list writes nothing.
func WriteProfiles(w io.Writer, list []ProfileSummary, now time.Time) error {
	if len(list) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tUSER\tSERVER\tEXPIRES")
	for _, s := range list {
		mark := " "
		if s.Current {
			mark = "*"
		}
		server := (&oob.Profile{Server: s.Server, Issuer: s.Issuer}).Site()
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\n", mark, termsafe.Text(s.Profile, termsafe.MaxServerText), s.User.short(), termsafe.Text(server, termsafe.MaxServerText), s.AccessToken.relative(now))
	}
	return tw.Flush()
}

// short names the user in a few characters, by [User.Login].
func (u UserSummary) short() string {
	if login := u.user().Login(); login != "" {
		return termsafe.Text(login, termsafe.MaxServerText)
	}
	return "-"
}

// relative says when the token expires relative to now: "in 4m",
// "expired 3m ago", "never".
func (t TokenTimes) relative(now time.Time) string {
	if t.Expiry == nil {
		return "never"
	}
	rel := when.Relative(t.Expiry.Sub(now))
	if t.Expired {
		return "expired " + rel
	}
	return rel
}
