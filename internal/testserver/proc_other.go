//go:build !unix

package testserver

import (
	"os/exec"
	"syscall"
)

// sysProcAttr returns nil: there is no process group to set up here.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminate ends the process: there is no gentler signal to send here.
func terminate(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// kill ends the process at once.
func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// processExists reports true: this platform offers no cheap check, so
// directories of dead test binaries are left in place.
func processExists(int) bool { return true }
