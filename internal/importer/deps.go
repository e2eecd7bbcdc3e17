package importer

import (
	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/passwords"
)

// parsePassword checks an imported password hash with the rules every
// password check uses (algorithms, cost limits).
func parsePassword(h *interchange.Hash) (passwords.Imported, error) {
	return passwords.Parse(passwords.Spec(*h))
}

// appSecretHash is the stored form of an application secret given as a
// hash.
func appSecretHash(h *interchange.Hash) (string, error) {
	return auth.ImportedSecretHash(passwords.Spec(*h))
}

// checkImage applies the service's image checks (whole image, pixel
// budget, declared format) and its byte bound; it returns the real format.
func checkImage(data []byte, format string, limit int) (string, error) {
	if len(data) > limit {
		return "", apperr.New(apperr.TooLarge, imagedata.ReasonTooLarge, "the image is larger than the service accepts")
	}
	img, err := imagedata.Check(data, format)
	if err != nil {
		return "", err
	}
	return img.Format, nil
}

// tokenHash is the stored hash of an imported credential.
func tokenHash(token, sha string) (string, error) { return auth.ImportedTokenHash(token, sha) }
