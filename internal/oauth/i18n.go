package oauth

import (
	"net/http"

	"golang.org/x/text/language"
)

// The screens speak English and French, chosen from Accept-Language.
var (
	languages = []language.Tag{language.English, language.French}
	matcher   = language.NewMatcher(languages)
)

func pickLang(r *http.Request) string {
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := matcher.Match(tags...)
	if i == 1 {
		return "fr"
	}
	return "en"
}

// texts are every sentence the screens show, by language.
//
//nolint:gosec // G101: the screens' words ("csrf", "password" labels), not credentials
var texts = map[string]map[string]string{
	"en": {
		"signin_title":     "Sign in",
		"signin_intro":     "%s asks you to sign in with your userbridge account.",
		"email":            "E-mail address",
		"password":         "Password",
		"signin":           "Sign in",
		"bad_login":        "Wrong e-mail address or password.",
		"account_blocked":  "This account cannot sign in.",
		"rate_limited":     "Too many attempts. Wait a minute and try again.",
		"consent_title":    "Authorize %s",
		"consent_intro":    "%s, signed in as %s, would be able to:",
		"verified":         "Verified application",
		"unverified":       "This application is not verified by the administrators of userbridge.",
		"allow":            "Allow",
		"deny":             "Deny",
		"consent_note":     "You can revoke this access at any time from your account.",
		"error_title":      "Authorization failed",
		"error_back":       "Return to the application and try again.",
		"csrf":             "This form expired. Go back to the application and start again.",
		"scope_identity":   "Know who you are (your account id and username)",
		"scope_email":      "See your e-mail address and login",
		"scope_personal":   "See your first, last and display names",
		"scope_modify":     "Change your profile (username, names, avatar)",
		"scope_files":      "Read, add and delete your files",
		"scope_signatures": "Read and replace your signatures",
	},
	"fr": {
		"signin_title":     "Connexion",
		"signin_intro":     "%s vous demande de vous connecter avec votre compte userbridge.",
		"email":            "Adresse e-mail",
		"password":         "Mot de passe",
		"signin":           "Se connecter",
		"bad_login":        "Adresse e-mail ou mot de passe incorrect.",
		"account_blocked":  "Ce compte ne peut pas se connecter.",
		"rate_limited":     "Trop de tentatives. Patientez une minute puis réessayez.",
		"consent_title":    "Autoriser %s",
		"consent_intro":    "%s, connecté en tant que %s, pourrait :",
		"verified":         "Application vérifiée",
		"unverified":       "Cette application n'est pas vérifiée par les administrateurs de userbridge.",
		"allow":            "Autoriser",
		"deny":             "Refuser",
		"consent_note":     "Vous pouvez retirer cet accès à tout moment depuis votre compte.",
		"error_title":      "Échec de l'autorisation",
		"error_back":       "Revenez à l'application et recommencez.",
		"csrf":             "Ce formulaire a expiré. Revenez à l'application et recommencez.",
		"scope_identity":   "Savoir qui vous êtes (identifiant et pseudonyme)",
		"scope_email":      "Voir votre adresse e-mail et votre identifiant de connexion",
		"scope_personal":   "Voir vos prénom, nom et nom affiché",
		"scope_modify":     "Modifier votre profil (pseudonyme, noms, avatar)",
		"scope_files":      "Lire, ajouter et supprimer vos fichiers",
		"scope_signatures": "Lire et remplacer vos signatures",
	},
}
