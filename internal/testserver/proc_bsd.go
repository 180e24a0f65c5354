//go:build unix && !linux

package testserver

import "syscall"

// sysProcAttr puts the server in its own process group, so that stopping it
// reaches any child it forks. Only Linux can also have the kernel kill it when
// the test binary dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
