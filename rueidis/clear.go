package rueidis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	rd "github.com/redis/rueidis"
)

// Clear removes every key under namespace + ":" or, with namespace == "",
// empties the selected database (FLUSHDB). Either way it visits every
// master: the one server of a standalone deployment, every master of a
// Cluster. Replicas follow their masters.
//
// A namespace Clear walks each master with SCAN MATCH (never KEYS, which
// would block the server) and removes what it finds with UNLINK, about
// Options.ScanCount keys per round trip. The namespace is matched
// literally: glob characters in it are escaped, and "foo" never matches
// the keys of "foobar". Keys written during the walk may survive it. On
// error, Clear stops and the keys visited so far stay removed.
func (s *Store) Clear(ctx context.Context, namespace string) error {
	masters, err := s.masters(ctx, namespace)
	if err != nil {
		return err
	}
	pattern := escapeGlob(namespace) + ":*"
	for _, node := range masters {
		if namespace == "" {
			if s.cached() {
				s.own.everythingWritten()
			}
			_, err = s.do(ctx, "clear", namespace, node, again, func() rd.Completed { return node.B().Flushdb().Build() })
		} else {
			err = s.clearNode(ctx, node, namespace, pattern)
		}
		if err != nil {
			return err
		}
	}
	if namespace == "" {
		s.waiters.WakeAll()
	}
	return nil
}

// masters returns a client for each master that the client knows of.
// rueidis lists replicas too (of a Cluster, or of a standalone client
// configured with replicas): ROLE tells them apart.
func (s *Store) masters(ctx context.Context, namespace string) ([]rd.Client, error) {
	var masters []rd.Client
	for addr, node := range s.client.Nodes() {
		msg, err := s.do(ctx, "clear", namespace, node, again, func() rd.Completed { return readCmd(node.B(), "ROLE", nil) })
		if err != nil {
			return nil, err
		}
		role, err := msg.ToArray()
		if err == nil && len(role) == 0 {
			err = errors.New("empty reply")
		}
		var kind string
		if err == nil {
			kind, err = role[0].ToString()
		}
		if err != nil {
			return nil, wrap(ctx, "clear", namespace, fmt.Errorf("role of %s: %w", addr, err))
		}
		if kind == "master" {
			masters = append(masters, node)
		}
	}
	return masters, nil
}

// clearNode removes the keys of node that match pattern, one SCAN batch at
// a time.
//
// On a Cluster, UNLINK of several keys needs them in one slot, and the keys
// of one batch are spread over many; so each key gets its own UNLINK, all
// of a batch in one pipeline through the cluster client. That client sends
// each key to the node that owns its slot: node itself, where SCAN found
// it, or the new owner if the slot is being moved. On a standalone server
// one UNLINK takes the whole batch.
func (s *Store) clearNode(ctx context.Context, node rd.Client, namespace, pattern string) error {
	const op = "clear"
	cluster := s.client.Mode() == rd.ClientModeCluster
	var cursor uint64
	for {
		msg, err := s.do(ctx, op, namespace, node, again, func() rd.Completed {
			return readCmd(node.B(), "SCAN", nil, strconv.FormatUint(cursor, 10), "MATCH", pattern, "COUNT", strconv.Itoa(s.opts.ScanCount))
		})
		if err != nil {
			return err
		}
		entry, err := msg.AsScanEntry()
		if err != nil {
			return wrap(ctx, op, namespace, fmt.Errorf("scan: %w", err))
		}
		if len(entry.Elements) > 0 {
			for _, key := range entry.Elements {
				s.markRemove(key)
			}
			if cluster {
				build := func() rd.Commands {
					cmds := make(rd.Commands, len(entry.Elements))
					for i, key := range entry.Elements {
						cmds[i] = s.client.B().Unlink().Key(key).Build()
					}
					return cmds
				}
				results, err := s.doMulti(ctx, op, namespace, again, build)
				if err != nil {
					return err
				}
				for i, res := range results {
					if err := res.Error(); err != nil {
						return wrap(ctx, op, namespace, fmt.Errorf("unlink %q: %w", entry.Elements[i], err))
					}
				}
			} else if _, err := s.do(ctx, op, namespace, node, again, func() rd.Completed { return node.B().Unlink().Key(entry.Elements...).Build() }); err != nil {
				return err
			}
			for _, key := range entry.Elements {
				s.waiters.Wake(key)
			}
		}
		cursor = entry.Cursor
		if cursor == 0 {
			return nil
		}
	}
}

// escapeGlob escapes the characters that SCAN MATCH reads as a pattern, so
// that s matches only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
