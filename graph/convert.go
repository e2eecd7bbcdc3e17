package graph

import (
	"userbridge/graph/model"
	"userbridge/internal/rules/accounts"
)

func createInput(in model.CreateUserInput) accounts.CreateInput {
	return accounts.CreateInput{
		Email: in.Email, Password: in.Password, Username: in.Username, Login: in.Login,
		FirstName: deref(in.FirstName), LastName: deref(in.LastName), Name: in.Name,
		Role: in.Role, Flags: in.Flags, Privileges: in.Privileges, Status: in.Status,
		Verified: deref(in.Verified), Mode: in.Mode,
	}
}

func updateInput(in model.UpdateUserInput) accounts.UpdateInput {
	out := accounts.UpdateInput{
		Email: in.Email, Username: in.Username, Login: in.Login, FirstName: in.FirstName,
		LastName: in.LastName, Name: in.Name, Password: in.Password, CurrentPassword: in.CurrentPassword, Role: in.Role,
		Status: in.Status, Flags: in.Flags, Verified: in.Verified, Mode: in.Mode,
	}
	if in.Privileges != nil {
		out.Privileges = &in.Privileges
	}
	return out
}

func viewerInput(in model.UpdateViewerInput) accounts.UpdateInput {
	return accounts.UpdateInput{
		Email: in.Email, Username: in.Username, FirstName: in.FirstName,
		LastName: in.LastName, Name: in.Name, Password: in.Password, CurrentPassword: in.CurrentPassword,
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
