package oauth

// accountTexts are the words of the account page and of the screens'
// "not you?", merged into texts like oidcTexts.
//
//nolint:gosec // G101: the page's words ("password" labels), not credentials
var accountTexts = map[string]map[string]string{
	"en": {
		"account_title":             "Your account",
		"account_signin_intro":      "Sign in to see and manage your userbridge account.",
		"account_signed_in_as":      "Signed in as",
		"account_username":          "Username",
		"account_public_id":         "Account id",
		"account_name":              "Name",
		"account_apps":              "Applications you authorized",
		"account_no_apps":           "You have not authorized any application.",
		"account_since":             "authorized on",
		"account_revoke":            "Revoke access",
		"account_revoked":           "The application's access was revoked: its tokens no longer work, and it will ask again.",
		"account_no_such_app":       "That application is not among those you authorized.",
		"account_password":          "Change your password",
		"account_current_password":  "Current password",
		"account_new_password":      "New password",
		"account_new_password_2":    "New password, again",
		"account_password_hint":     "At least %d characters. Every other session and token of yours ends.",
		"account_change_password":   "Change password",
		"account_password_changed":  "Your password was changed; you are signed out everywhere else.",
		"account_wrong_password":    "The current password is wrong.",
		"account_password_mismatch": "The two new passwords differ.",
		"account_password_length":   "The new password must have %min to %max characters.",
		"account_signout":           "Sign out",
		"account_csrf":              "This form expired or came from another site. Reload the page and try again.",
		"not_you":                   "Not you?",
		"account_link":              "Manage your account",
	},
	"fr": {
		"account_title":             "Votre compte",
		"account_signin_intro":      "Connectez-vous pour voir et gérer votre compte userbridge.",
		"account_signed_in_as":      "Connecté en tant que",
		"account_username":          "Pseudonyme",
		"account_public_id":         "Identifiant du compte",
		"account_name":              "Nom",
		"account_apps":              "Applications que vous avez autorisées",
		"account_no_apps":           "Vous n'avez autorisé aucune application.",
		"account_since":             "autorisée le",
		"account_revoke":            "Retirer l'accès",
		"account_revoked":           "L'accès de l'application a été retiré : ses jetons ne fonctionnent plus et elle vous le redemandera.",
		"account_no_such_app":       "Cette application ne fait pas partie de celles que vous avez autorisées.",
		"account_password":          "Changer votre mot de passe",
		"account_current_password":  "Mot de passe actuel",
		"account_new_password":      "Nouveau mot de passe",
		"account_new_password_2":    "Nouveau mot de passe, à nouveau",
		"account_password_hint":     "Au moins %d caractères. Toutes vos autres sessions et tous vos jetons prennent fin.",
		"account_change_password":   "Changer le mot de passe",
		"account_password_changed":  "Votre mot de passe a été changé ; vous êtes déconnecté partout ailleurs.",
		"account_wrong_password":    "Le mot de passe actuel est incorrect.",
		"account_password_mismatch": "Les deux nouveaux mots de passe diffèrent.",
		"account_password_length":   "Le nouveau mot de passe doit compter de %min à %max caractères.",
		"account_signout":           "Se déconnecter",
		"account_csrf":              "Ce formulaire a expiré ou vient d'un autre site. Rechargez la page et recommencez.",
		"not_you":                   "Ce n'est pas vous ?",
		"account_link":              "Gérer votre compte",
	},
}

func init() {
	for lang, words := range accountTexts {
		for k, v := range words {
			if texts[lang] != nil {
				texts[lang][k] = v
			}
		}
	}
}
