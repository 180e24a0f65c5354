//go:build linux

package testserver

import "syscall"

// sysProcAttr puts the server in its own process group, so that stopping it
// reaches any child it forks, and asks the kernel to kill it when the test
// binary dies.
//
// Pdeathsig fires when the thread that started the process exits, not the
// whole binary. The Go runtime only ends a thread when a goroutine exits while
// locked to it (runtime.LockOSThread), which tests asking for a server do not
// do.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
