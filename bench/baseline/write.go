package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// hashSlots bounds concurrent hashes to the CPUs, as the service does.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// userbridge's argon2id cost (internal/rules/auth/password.go).
const (
	argonTime   = 5
	argonMemory = 7 * 1024 // KiB
)

// hashPassword is argon2id with userbridge's parameters, so that the write
// costs the baseline what it costs the service.
func hashPassword(p string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, 1, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, 1,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

func v1Error(w http.ResponseWriter, status int, code, msg string) {
	encode(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// usersV1Create answers POST /v1/users for an administrator: one INSERT.
func (s *server) usersV1Create(w http.ResponseWriter, r *http.Request) {
	v := s.authenticate(r)
	if v == nil {
		unauthorized(w)
		return
	}
	if v.Role != "admin" {
		v1Error(w, http.StatusForbidden, "forbidden", "forbidden")
		return
	}
	var in struct{ Email, Name, Password, Role string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		v1Error(w, http.StatusBadRequest, "invalid_json", "invalid JSON")
		return
	}
	if in.Role == "" {
		in.Role = "user"
	}
	if !strings.Contains(in.Email, "@") || strings.TrimSpace(in.Name) == "" || len(in.Password) < 8 || len(in.Password) > 128 ||
		(in.Role != "user" && in.Role != "admin") {
		v1Error(w, http.StatusBadRequest, "invalid_parameter", "invalid parameter")
		return
	}
	hash := hashPassword(in.Password)
	now := time.Now().UTC().Truncate(time.Microsecond)
	login := strings.ToLower(in.Email)
	username, _, _ := strings.Cut(login, "@")
	first, last, _ := strings.Cut(strings.TrimSpace(in.Name), " ")
	flags := 0
	if in.Role == "admin" {
		flags = 1
	}
	u := viewer{PublicID: randomID(8), Email: in.Email, Username: username, FirstName: first, LastName: last,
		DisplayName: sql.NullString{String: strings.TrimSpace(in.Name), Valid: true},
		Role:        in.Role, Status: "active", Flags: flags, CreatedAt: now, UpdatedAt: now}
	err := s.w.QueryRowContext(r.Context(), s.q(`INSERT INTO users (created_at, updated_at, public_id, email, email_key,
		username, username_key, login, first_name, last_name, display_name, password_hash, role, flags, status, verified, mode)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', false, 'standard') RETURNING id`),
		now, now, u.PublicID, u.Email, login, username, username, login, first, last, u.DisplayName.String, hash, u.Role, flags).Scan(&u.ID)
	if err != nil {
		v1Error(w, http.StatusBadRequest, "email_taken", "email already taken")
		return
	}
	w.Header().Set("Location", "/v1/users/usr_"+u.PublicID)
	encode(w, http.StatusCreated, newUsersV1User(&u, false))
}

const quota = 5

// eduPlatformUpload answers POST /api/v1/users/user_files/upload: the part
// "file" streamed to the storage folder (hashed, content type sniffed), its
// row inserted and the owner's oldest manual files beyond the quota evicted
// in one transaction, their blobs removed after it.
func (s *server) eduPlatformUpload(w http.ResponseWriter, r *http.Request) {
	v := s.authenticate(r)
	if v == nil {
		unauthorized(w)
		return
	}
	const maxUpload = 256 << 20
	body := http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	// Large reads and writes: the multipart parser reads 4 KiB at a time.
	r.Body = struct {
		io.Reader
		io.Closer
	}{bufio.NewReaderSize(body, 256<<10), body}
	mr, err := r.MultipartReader()
	if err != nil {
		writeRaw(w, http.StatusBadRequest, []byte(`{"status":{"code":400,"message":"The request is malformed."}}`))
		return
	}
	var part *multipart.Part
	for {
		if part, err = mr.NextPart(); err != nil {
			writeRaw(w, http.StatusBadRequest, []byte(`{"status":{"code":400,"message":"The file part is missing."}}`))
			return
		}
		if part.FormName() == "file" {
			break
		}
	}
	key := hex.EncodeToString([]byte(randomID(16)))
	path := filepath.Join(s.storage, key)
	tmp, err := os.CreateTemp(s.storage, ".upload-*")
	if err != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{"status":{"code":500,"message":"Internal server error."}}`))
		return
	}
	defer os.Remove(tmp.Name())
	head := make([]byte, 512)
	n, _ := io.ReadFull(part, head)
	head = head[:n]
	h := sha256.New()
	h.Write(head)
	bw := bufio.NewWriterSize(tmp, 256<<10)
	_, _ = bw.Write(head)
	size, err := io.CopyBuffer(io.MultiWriter(bw, h), io.LimitReader(part, maxUpload+1), make([]byte, 256<<10))
	size += int64(n)
	ferr := bw.Flush()
	if cerr := tmp.Close(); err != nil || ferr != nil || cerr != nil || size > maxUpload {
		writeRaw(w, http.StatusRequestEntityTooLarge, []byte(`{"status":{"code":413,"message":"The request is too large."}}`))
		return
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		writeRaw(w, http.StatusInternalServerError, []byte(`{"status":{"code":500,"message":"Internal server error."}}`))
		return
	}
	name := part.FileName()
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	now := time.Now().UTC().Truncate(time.Microsecond)
	var id int64
	var evicted []string
	err = s.tx(r.Context(), func(tx *sql.Tx) error {
		err := tx.QueryRowContext(r.Context(), s.q(`INSERT INTO files (created_at, kind, nature, name, content_type, file_type,
			size, sha256, storage_key, owner_id) VALUES (?, 'user_file', 'manual', ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			now, name, http.DetectContentType(head), ext, size, hex.EncodeToString(h.Sum(nil)), key, v.ID).Scan(&id)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(r.Context(), s.q(`SELECT id, storage_key FROM files WHERE owner_id = ? AND kind = 'user_file'
			AND nature = 'manual' ORDER BY created_at DESC, id DESC`), v.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		var ids []any
		for i := 0; rows.Next(); i++ {
			var fid int64
			var k string
			if err := rows.Scan(&fid, &k); err != nil {
				return err
			}
			if i >= quota {
				ids, evicted = append(ids, fid), append(evicted, k)
			}
		}
		err = rows.Err()
		if err == nil && len(ids) > 0 {
			_, err = tx.ExecContext(r.Context(), s.q(`DELETE FROM files WHERE id IN (`+placeholders(len(ids))+`)`), ids...)
		}
		return err
	})
	if err != nil {
		os.Remove(path)
		writeRaw(w, http.StatusInternalServerError, []byte(`{"status":{"code":500,"message":"Internal server error."}}`))
		return
	}
	for _, k := range evicted {
		os.Remove(filepath.Join(s.storage, k))
	}
	encode(w, http.StatusOK, map[string]any{"user_file": struct {
		ID         int64           `json:"id"`
		Attachment string          `json:"attachment"`
		FileType   string          `json:"file_type"`
		CreatedAt  string          `json:"created_at"`
		User       eduPlatformUser `json:"user"`
	}{id, s.link(id, name), ext, now.Format("2006-01-02T15:04:05.000Z"), newEduPlatformUser(v)}})
}

var linkKey = []byte("baseline-link-secret")

// link is a signed download link of the service's form (id and expiry,
// HMAC-SHA256, base64url, then the name).
func (s *server) link(id int64, name string) string {
	msg := binary.AppendUvarint(nil, uint64(id))
	msg = binary.AppendUvarint(msg, uint64(time.Now().Add(time.Hour).Unix()))
	m := hmac.New(sha256.New, linkKey)
	m.Write(msg)
	return strings.TrimRight(s.publicURL, "/") + "/files/" + base64.RawURLEncoding.EncodeToString(m.Sum(msg)) + "/" + name
}

func (s *server) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
