package evidence

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/estate-dev/estate/internal/atomicfile"
)

// Written is one pack's two files.
type Written struct {
	Pack       *Pack
	HTML, JSON string
}

// Write writes each pack as DIR/<name>.html and DIR/<name>.json (the
// folder is made when missing; each file is replaced atomically).
func Write(dir string, packs []*Pack) ([]Written, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make %s: %w", dir, err)
	}
	var out []Written
	for _, p := range packs {
		w := Written{Pack: p, HTML: filepath.Join(dir, p.Name+".html"), JSON: filepath.Join(dir, p.Name+".json")}
		var h, j bytes.Buffer
		if err := Render(&h, p); err != nil {
			return out, err
		}
		if err := WriteJSON(&j, p); err != nil {
			return out, err
		}
		for path, data := range map[string][]byte{w.HTML: h.Bytes(), w.JSON: j.Bytes()} {
			if err := atomicfile.Write(path, func(f io.Writer) error { _, err := f.Write(data); return err }); err != nil {
				return out, fmt.Errorf("write %s: %w", path, err)
			}
		}
		out = append(out, w)
	}
	return out, nil
}
