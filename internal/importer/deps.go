//go:build importwip

package importer

// TEMPORARY: adapters to rules other branches are adding (passwords,
// imagedata bounds). Replaced when they land.

import (
	"bytes"
	"errors"
	"image"

	"userbridge/internal/apperr"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/auth"
)

func parsePassword(h *interchange.Hash) (stored, algorithm string, weak bool, err error) {
	return "", "", false, errors.New("not yet")
}

func appSecretHash(h *interchange.Hash) (string, error) { return "", errors.New("not yet") }

func checkImage(data []byte, format string, limit int) (string, error) {
	if len(data) > limit {
		return "", apperr.New(apperr.TooLarge, "image_too_large", "the image is too large")
	}
	cfg, f, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", apperr.Invalidf("image", "not_an_image", "the data is not an image")
	}
	return f, nil
}

func tokenHash(token, sha string) (string, error) {
	if token != "" {
		return auth.HashSecret(token), nil
	}
	return sha, nil
}
