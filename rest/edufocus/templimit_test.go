package edufocus_test

import (
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/store/db/dbtest"
)

// TestUploadTemporaryLimit: past TEMPORARY_FILES_PER_USER pending
// temporary files, POST /files is 429 temporary_files_limit.
func TestUploadTemporaryLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *app.Config) { c.TemporaryFiles = 2 })
		e.uploadID(t, e.dTok, "a.png", pngBytes)
		e.uploadID(t, e.dTok, "b.png", pngBytes)
		expect(t, e.upload(t, e.dTok, "c.png", pngBytes), 429, failure(429, "temporary_files_limit"))
	})
}
