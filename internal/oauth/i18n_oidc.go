package oauth

// oidcTexts are the words of OpenID Connect on the screens (the scopes on
// the consent page, the logout pages), merged into texts; kept apart so
// the screens' own file changes without them.
var oidcTexts = map[string]map[string]string{
	"en": {
		"scope_openid":     "Sign you in with your userbridge account (your account id)",
		"scope_profile":    "See your names, username and avatar",
		"logout_title":     "Sign out",
		"logout_intro":     "Sign out of userbridge, where you are signed in as %s?",
		"logout_confirm":   "Sign out",
		"logged_out_title": "Signed out",
		"logged_out_text":  "You are signed out of userbridge. You can close this page.",
	},
	"fr": {
		"scope_openid":     "Vous connecter avec votre compte userbridge (votre identifiant)",
		"scope_profile":    "Voir vos noms, pseudonyme et avatar",
		"logout_title":     "Déconnexion",
		"logout_intro":     "Vous déconnecter de userbridge, où vous êtes connecté en tant que %s ?",
		"logout_confirm":   "Se déconnecter",
		"logged_out_title": "Déconnecté",
		"logged_out_text":  "Vous êtes déconnecté de userbridge. Vous pouvez fermer cette page.",
	},
}

func init() {
	for lang, words := range oidcTexts {
		for k, v := range words {
			if texts[lang] != nil {
				texts[lang][k] = v
			}
		}
	}
}
