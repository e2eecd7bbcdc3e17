package oauth

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/ory/fosite/token/jwt"

	"userbridge/ent"
	"userbridge/ent/signingkey"
)

// keyCacheTTL is how long a replica trusts the keys it loaded before it
// reads the table again: a key another replica made is published (and a
// retired one dropped) within this time.
const keyCacheTTL = time.Minute

// signingKey is a row of signing_keys opened for use: priv is nil when the
// row could not be unsealed (SECRET_KEY changed), so the key is published
// but never signs.
type signingKey struct {
	kid, alg            string
	priv                crypto.Signer
	pub                 jose.JSONWebKey
	notBefore, retireAt time.Time
}

// keyring keeps the id_token signing keys in the database: one current
// key of the configured algorithm signs; a key signs for one rotation
// period and stays published for one more, so that every id_token it
// signed (they live an hour) still verifies after the next key took over.
// Private keys are sealed with AES-256-GCM under a key derived from
// SECRET_KEY, the kid as additional data (a sealed key moved to another
// row does not open); they are never written or answered in clear.
type keyring struct {
	client *ent.Client
	aead   cipher.AEAD
	alg    string
	period time.Duration
	now    func() time.Time
	log    *slog.Logger

	mu       sync.Mutex
	keys     []*signingKey
	loadedAt time.Time
	createMu sync.Mutex // one key made at a time in this process
}

func newKeyring(client *ent.Client, sealKey []byte, alg string, period time.Duration, now func() time.Time, log *slog.Logger) (*keyring, error) {
	k := sha256.Sum256(sealKey) // any length in, an AES-256 key out
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keyring{client: client, aead: aead, alg: alg, period: period, now: now, log: log}, nil
}

func (k *keyring) seal(kid string, plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, []byte(kid)), nil
}

func (k *keyring) open(kid string, sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed key too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
}

// load returns the keys still published (retire_at + one period in the
// future), newest first, from the cache when it is fresh.
func (k *keyring) load(ctx context.Context) ([]*signingKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.keys != nil && now.Sub(k.loadedAt) < keyCacheTTL && now.Before(k.loadedAt.Add(keyCacheTTL)) {
		return k.keys, nil
	}
	rows, err := k.client.SigningKey.Query().Where(signingkey.RetireAtGT(now.Add(-k.period).UTC())).
		Order(ent.Desc(signingkey.FieldNotBefore), ent.Desc(signingkey.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]*signingKey, 0, len(rows))
	for _, r := range rows {
		sk := &signingKey{kid: r.Kid, alg: string(r.Alg), notBefore: r.NotBefore, retireAt: r.RetireAt}
		if err := json.Unmarshal(r.PublicJwk, &sk.pub); err != nil {
			k.log.WarnContext(ctx, "oidc signing key unreadable, skipped", "kid", r.Kid, "err", err)
			continue
		}
		if der, err := k.open(r.Kid, r.PrivateKey); err == nil {
			if p, err := x509.ParsePKCS8PrivateKey(der); err == nil {
				sk.priv, _ = p.(crypto.Signer)
			}
		}
		if sk.priv == nil && now.Before(r.RetireAt) {
			k.log.WarnContext(ctx, "oidc signing key does not open with this SECRET_KEY: published, never used", "kid", r.Kid)
		}
		keys = append(keys, sk)
	}
	k.keys, k.loadedAt = keys, now
	return keys, nil
}

// current returns the key that signs now, making one when there is none
// (first use, or the last one retired). Two replicas may both make one at
// the same moment: both are published and either signs, which is harmless.
func (k *keyring) current(ctx context.Context) (*signingKey, error) {
	keys, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	if sk := k.signing(keys); sk != nil {
		return sk, nil
	}
	k.createMu.Lock()
	defer k.createMu.Unlock()
	k.mu.Lock()
	k.keys = nil // read again: a request that waited here finds the key just made
	k.mu.Unlock()
	if keys, err = k.load(ctx); err != nil {
		return nil, err
	}
	if sk := k.signing(keys); sk != nil {
		return sk, nil
	}
	sk, err := k.create(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys, k.loadedAt = nil, time.Time{} // read again, with the new key
	k.mu.Unlock()
	return sk, nil
}

// signing returns the key of keys that signs now, or nil.
func (k *keyring) signing(keys []*signingKey) *signingKey {
	now := k.now()
	for _, sk := range keys {
		if sk.alg == k.alg && sk.priv != nil && !now.Before(sk.notBefore) && now.Before(sk.retireAt) {
			return sk
		}
	}
	return nil
}

// create makes, seals and stores a new key of the configured algorithm,
// and deletes the keys no longer published.
func (k *keyring) create(ctx context.Context) (*signingKey, error) {
	var priv crypto.Signer
	var err error
	switch k.alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, err
	}
	kidBytes := make([]byte, 12)
	if _, err := rand.Read(kidBytes); err != nil {
		return nil, err
	}
	kid := base64.RawURLEncoding.EncodeToString(kidBytes)
	pub := jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: k.alg, Use: "sig"}
	pubJSON, err := pub.MarshalJSON()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	sealed, err := k.seal(kid, der)
	if err != nil {
		return nil, err
	}
	now := k.now().UTC().Truncate(time.Second)
	if _, err := k.client.SigningKey.Delete().Where(signingkey.RetireAtLT(now.Add(-k.period))).Exec(ctx); err != nil {
		return nil, err
	}
	err = k.client.SigningKey.Create().SetKid(kid).SetAlg(signingkey.Alg(k.alg)).SetPrivateKey(sealed).
		SetPublicJwk(pubJSON).SetNotBefore(now).SetRetireAt(now.Add(k.period)).Exec(ctx)
	if err != nil {
		return nil, err
	}
	k.log.InfoContext(ctx, "oidc signing key created", "kid", kid, "alg", k.alg)
	return &signingKey{kid: kid, alg: k.alg, priv: priv, pub: pub, notBefore: now, retireAt: now.Add(k.period)}, nil
}

// jwks is the published key set: the public halves only.
func (k *keyring) jwks(ctx context.Context) (jose.JSONWebKeySet, error) {
	if _, err := k.current(ctx); err != nil { // a first request publishes a key before any token needs it
		return jose.JSONWebKeySet{}, err
	}
	keys, err := k.load(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, sk := range keys {
		set.Keys = append(set.Keys, sk.pub.Public())
	}
	return set, nil
}

// verificationKey finds the published key a token names by kid, for the
// algorithm that key was made for: a token whose header claims another
// algorithm (none, HS256 keyed with the public key) is refused here.
func (k *keyring) verificationKey(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	keys, err := k.load(ctx)
	if err != nil {
		return nil, err
	}
	for _, sk := range keys {
		if sk.kid == kid && kid != "" {
			if string(t.Method) != sk.alg {
				return nil, fmt.Errorf("token signed with %q, key %s is %s", t.Method, kid, sk.alg)
			}
			return sk.pub.Key, nil
		}
	}
	return nil, errors.New("token signed with an unknown key")
}

// signer is fosite's jwt.Signer over the keyring: it signs with the
// current key and decodes (id_token_hint) with any published one.
type signer struct{ ring *keyring }

func (s signer) Generate(ctx context.Context, claims jwt.MapClaims, header jwt.Mapper) (string, string, error) {
	sk, err := s.ring.current(ctx)
	if err != nil {
		return "", "", err
	}
	if header == nil || claims == nil {
		return "", "", errors.New("either claims or header is nil")
	}
	t := jwt.NewWithClaims(jose.SignatureAlgorithm(sk.alg), claims)
	for key, v := range header.ToMap() {
		if key != "kid" && key != "alg" {
			t.Header[key] = v
		}
	}
	raw, err := t.SignedString(jose.JSONWebKey{Key: sk.priv, KeyID: sk.kid, Algorithm: sk.alg})
	if err != nil {
		return "", "", err
	}
	sig, err := s.GetSignature(ctx, raw)
	return raw, sig, err
}

func (s signer) Decode(ctx context.Context, token string) (*jwt.Token, error) {
	return jwt.ParseWithClaims(token, jwt.MapClaims{}, func(t *jwt.Token) (any, error) {
		return s.ring.verificationKey(ctx, t)
	})
}

func (s signer) Validate(ctx context.Context, token string) (string, error) {
	if _, err := s.Decode(ctx, token); err != nil {
		return "", err
	}
	return s.GetSignature(ctx, token)
}

func (signer) GetSignature(_ context.Context, token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("header, body and signature must all be set")
	}
	return parts[2], nil
}

func (signer) Hash(_ context.Context, in []byte) ([]byte, error) {
	sum := sha256.Sum256(in)
	return sum[:], nil
}

// GetSigningMethodLength: RS256 and ES256 both hash with SHA-256.
func (signer) GetSigningMethodLength(context.Context) int { return sha256.Size }
