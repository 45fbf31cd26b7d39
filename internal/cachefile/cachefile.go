package cachefile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/estate-dev/estate/internal/atomicfile"
)

// magic opens every cache file.
var magic = [8]byte{'E', 'S', 'T', 'C', 'A', 'C', 'H', 'E'}

// The header: magic, name length (1 byte) and name, version (uint32),
// payload length (uint64), then the SHA-256 of the header before it and
// of the payload. Integers are little-endian.
const maxName = 64

var (
	// ErrCorrupt: the file is not a cache file of this name, or its
	// bytes do not match its checksum (truncated, damaged, edited).
	ErrCorrupt = errors.New("cache file is damaged")
	// ErrVersion: the file is intact but of another format version (an
	// older or newer estate wrote it).
	ErrVersion = errors.New("cache file is of another version")
)

// Encode returns the container holding the concatenation of parts.
func Encode(name string, version uint32, parts ...[]byte) ([]byte, error) {
	var b bytes.Buffer
	if err := encode(&b, name, version, parts); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func header(name string, version uint32, n uint64) ([]byte, error) {
	if len(name) == 0 || len(name) > maxName {
		return nil, fmt.Errorf("cache name %q: want 1 to %d bytes", name, maxName)
	}
	h := make([]byte, 0, len(magic)+1+len(name)+4+8)
	h = append(h, magic[:]...)
	h = append(h, byte(len(name)))
	h = append(h, name...)
	h = binary.LittleEndian.AppendUint32(h, version)
	h = binary.LittleEndian.AppendUint64(h, n)
	return h, nil
}

func encode(w io.Writer, name string, version uint32, parts [][]byte) error {
	var n uint64
	for _, p := range parts {
		n += uint64(len(p))
	}
	h, err := header(name, version, n)
	if err != nil {
		return err
	}
	sum := sha256.New()
	sum.Write(h)
	for _, p := range parts {
		sum.Write(p)
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	if _, err := w.Write(sum.Sum(nil)); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Decode returns the payload of data, a container of the cache name at
// version: ErrCorrupt when any byte is wrong, ErrVersion when the file
// is intact but of another version. The payload aliases data.
func Decode(data []byte, name string, version uint32) ([]byte, error) {
	hlen := len(magic) + 1 + len(name) + 4 + 8
	if len(data) < hlen+sha256.Size || !bytes.Equal(data[:len(magic)], magic[:]) ||
		int(data[len(magic)]) != len(name) || string(data[len(magic)+1:len(magic)+1+len(name)]) != name {
		return nil, ErrCorrupt
	}
	v := binary.LittleEndian.Uint32(data[hlen-12:])
	n := binary.LittleEndian.Uint64(data[hlen-8:])
	payload := data[hlen+sha256.Size:]
	if uint64(len(payload)) != n {
		return nil, ErrCorrupt
	}
	sum := sha256.New()
	sum.Write(data[:hlen])
	sum.Write(payload)
	if !bytes.Equal(sum.Sum(nil), data[hlen:hlen+sha256.Size]) {
		return nil, ErrCorrupt
	}
	if v != version {
		return nil, ErrVersion
	}
	return payload, nil
}

// Write writes the container of parts to path, atomically (a reader sees
// the old file or the new one).
func Write(path, name string, version uint32, parts ...[]byte) error {
	return atomicfile.Write(path, func(w io.Writer) error { return encode(w, name, version, parts) })
}

// Read reads the payload of the cache file at path (see Decode); a file
// that cannot be read gives the error of os.ReadFile.
func Read(path, name string, version uint32) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(data, name, version)
}

// Load is Read for a cache that is rebuilt when it is missing or bad: it
// returns the payload and true, or false with a warning on log (nil: no
// log) when the file exists but is damaged or unreadable, and a debug
// line when it is of another version. A missing file is no news.
func Load(log *slog.Logger, path, name string, version uint32) ([]byte, bool) {
	payload, err := Read(path, name, version)
	switch {
	case err == nil:
		return payload, true
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, ErrVersion):
		if log != nil {
			log.Debug("cache of another version, rebuilt", "cache", name, "path", path)
		}
	case log != nil:
		log.Warn("cache dropped and rebuilt: "+err.Error()+" (or written by an older estate)", "cache", name, "path", path)
	}
	return nil, false
}

// Invalid logs, as Load does, that a payload passed its checksum but
// still could not be decoded (a bug, or a file written by another build
// with the same version): the caller drops it and rebuilds the cache.
func Invalid(log *slog.Logger, path, name string, why error) {
	if log != nil {
		log.Warn("cache dropped and rebuilt: cannot decode it: "+why.Error(), "cache", name, "path", path)
	}
}
