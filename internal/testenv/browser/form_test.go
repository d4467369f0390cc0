package browser

import (
	"errors"
	"net/url"
	"testing"
)

func TestFindLoginForm(t *testing.T) {
	page, _ := url.Parse("http://op.test/login/username?authRequestID=r1")
	tests := []struct {
		name       string
		html       string
		press      func(field) bool
		wantMethod string
		wantAction string
		want       url.Values
		wantErr    error
	}{
		{
			name: "double quotes, button without a name",
			html: `<form method="POST" action="/login/username">
				<input type="hidden" name="id" value="r1">
				<input id="username" name="username" autocomplete="username">
				<input id="password" name="password" type="password">
				<button type="submit">Login</button></form>`,
			press:      accepts,
			wantMethod: "POST",
			wantAction: "http://op.test/login/username",
			want:       url.Values{"id": {"r1"}, "username": {"u"}, "password": {"p"}},
		},
		{
			name: "single quotes, upper case, unquoted values, relative action, a search form first",
			html: `<FORM action=/search><INPUT name=q></FORM>
				<FORM METHOD='post' ACTION='submit?x=1'>
				<INPUT TYPE=hidden NAME='csrf' VALUE='a&amp;b'>
				<INPUT TYPE='email' NAME='login'>
				<INPUT TYPE=PASSWORD NAME=pw>
				<INPUT TYPE=checkbox NAME=remember VALUE=yes>
				<INPUT TYPE=submit NAME=go VALUE='Sign in'></FORM>`,
			press:      accepts,
			wantMethod: "POST",
			wantAction: "http://op.test/login/submit?x=1",
			want:       url.Values{"csrf": {"a&b"}, "login": {"u"}, "pw": {"p"}, "go": {"Sign in"}},
		},
		{
			name: "the chosen button only",
			html: `<form method="post" action="/login">
				<input type="hidden" name="login_challenge" value="c">
				<input name="username"><input type="password" name="password">
				<button type="submit" name="action" value="accept">Sign in</button>
				<button type="submit" name="action" value="deny">Cancel</button></form>`,
			press:      declines,
			wantMethod: "POST",
			wantAction: "http://op.test/login",
			want:       url.Values{"login_challenge": {"c"}, "username": {"u"}, "password": {"p"}, "action": {"deny"}},
		},
		{
			name:       "no action, no method",
			html:       `<form><input name="user"><input type="password" name="pass"></form>`,
			press:      accepts,
			wantMethod: "GET",
			wantAction: page.String(),
			want:       url.Values{"user": {"u"}, "pass": {"p"}},
		},
		{
			name:    "no password field",
			html:    `<form action="/x"><input name="q"></form>`,
			wantErr: errNoForm,
		},
		{
			name:    "no form",
			html:    `<p>Welcome</p>`,
			wantErr: errNoForm,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := findLoginForm(tt.html, page)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if f.method != tt.wantMethod || f.action.String() != tt.wantAction {
				t.Errorf("form %s %s, want %s %s", f.method, f.action, tt.wantMethod, tt.wantAction)
			}
			if got := f.fill("u", "p", tt.press); got.Encode() != tt.want.Encode() {
				t.Errorf("filled %s, want %s", got.Encode(), tt.want.Encode())
			}
		})
	}
}

func TestElementText(t *testing.T) {
	tests := []struct {
		name, html, id, want string
		found                bool
	}{
		{"code", `<p><code id="code">ab.cd</code></p>`, "code", "ab.cd", true},
		{"escaped", `<code id="code">a&amp;b&lt;c&#34;</code>`, "code", `a&b<c"`, true},
		{"other attributes and nested tags", `<CODE class="x" id='code' data-x=1><b> xy </b></CODE>`, "code", "xy", true},
		{"unquoted id", `<code id=code>z</code>`, "code", "z", true},
		{"id prefix is not the id", `<code id="codex">no</code><code id="code">yes</code>`, "code", "yes", true},
		{"data-id is not id", `<code data-id="code">no</code>`, "code", "", false},
		{"absent", `<p id="error">x</p>`, "code", "", false},
		{"unclosed", `<code id="code">x`, "code", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := elementText(tt.html, tt.id)
			if got != tt.want || found != tt.found {
				t.Errorf("elementText = %q, %v; want %q, %v", got, found, tt.want, tt.found)
			}
		})
	}
}
