package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"userbridge/ent"
	"userbridge/ent/setting"
)

// SecretSetting is the settings key of the generated link secret.
const SecretSetting = "download_link_secret"

// loadSecret returns the configured secret, or the one kept in the database
// so that every replica signs and checks links alike. The first replica to
// start creates it; a concurrent one loses the insert (on conflict do
// nothing) and reads the winner's.
func loadSecret(ctx context.Context, c *ent.Client, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	if v, err := readSetting(ctx, c, SecretSetting); err == nil {
		return v, nil
	} else if !ent.IsNotFound(err) {
		return nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	insErr := c.Setting.Create().SetKey(SecretSetting).SetValue(hex.EncodeToString(b)).
		OnConflictColumns(setting.FieldKey).DoNothing().Exec(ctx)
	v, err := readSetting(ctx, c, SecretSetting)
	if err != nil {
		return nil, errors.Join(insErr, err)
	}
	return v, nil
}

func readSetting(ctx context.Context, c *ent.Client, key string) ([]byte, error) {
	s, err := c.Setting.Query().Where(setting.Key(key)).Only(ctx)
	if err != nil {
		return nil, err
	}
	if len(s.Value) < 32 {
		return nil, fmt.Errorf("setting %s is too short", key)
	}
	return []byte(s.Value), nil
}
