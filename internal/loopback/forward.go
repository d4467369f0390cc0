package loopback

import (
	"fmt"
	"strconv"
	"strings"
)

// ForwardCommand is the command that, run on the person's own machine,
// forwards port there to port on this host's loopback interface, so that
// their browser's answer reaches a Catcher here. host is this machine as
// the person reaches it; sshPort, when not 22 or empty, is added with -p.
func ForwardCommand(port int, host, sshPort string) string {
	cmd := fmt.Sprintf("ssh -L %d:127.0.0.1:%d", port, port)
	if sshPort != "" && sshPort != "22" {
		cmd += " -p " + sshPort
	}
	return cmd + " " + host
}

// SSHServerPort is the port this SSH session came in on, from the
// SSH_CONNECTION value ("client-ip client-port server-ip server-port"),
// or "" when it does not say.
func SSHServerPort(sshConnection string) string {
	f := strings.Fields(sshConnection)
	if len(f) != 4 {
		return ""
	}
	if n, err := strconv.ParseUint(f[3], 10, 16); err != nil || n == 0 {
		return ""
	}
	return f[3]
}
