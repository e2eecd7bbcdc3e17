package eduplatform

import (
	"time"

	"userbridge/ent"
)

// stampLayout is the legacy time format: UTC, exactly three fractional
// digits, Z ("2024-02-13T09:00:00.389Z").
const stampLayout = "2006-01-02T15:04:05.000Z"

// stamp formats t as the legacy clients know it. Sub-millisecond digits are
// cut, not rounded, so a time never moves into the next second.
func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

// userBody is the legacy User, keys in the documented order. The names and
// the e-mail are shown with scope identity: this API's tokens know no
// email or personal scopes (those are Edu-Focus's).
type userBody struct {
	ID        int    `json:"id"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
}

// newUserBody shows u under id, the id it has in this dialect (userID).
func newUserBody(u *ent.User, id int) userBody {
	return userBody{ID: id, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, CreatedAt: stamp(u.CreatedAt)}
}

// userBodyShows are the guarded fields userBody always shows: an answer
// carrying one needs the scopes of all (accounts.Service.Viewer).
var userBodyShows = []string{"email", "first_name", "last_name"}

// userFileBody is the legacy UserFile. Attachment is the signed,
// absolute, expiring download link that ends with the file's name.
type userFileBody struct {
	ID         int      `json:"id"`
	Attachment string   `json:"attachment"`
	FileType   string   `json:"file_type"`
	CreatedAt  string   `json:"created_at"`
	User       userBody `json:"user"`
}

// userFile converts a file owned by owner.
func (h handlers) userFile(f *ent.File, owner *ent.User, ownerID int) userFileBody {
	return userFileBody{ID: f.ID, Attachment: h.Files.URL(f), FileType: f.FileType,
		CreatedAt: stamp(f.CreatedAt), User: newUserBody(owner, ownerID)}
}

// showResponse answers POST /oauth.
type showResponse struct {
	User userBody `json:"user"`
}

// userFilesResponse answers GET /user_files; never null, [] when empty.
type userFilesResponse struct {
	UserFiles []userFileBody `json:"user_files"`
}

// uploadResponse answers POST /user_files/upload.
type uploadResponse struct {
	UserFile userFileBody `json:"user_file"`
}

// attachmentResponse answers /secured_attachments/{id}.
type attachmentResponse struct {
	Attachment string `json:"attachment"`
}
