package main

import (
	"strings"
	"testing"
)

// field writes a field executor as gqlgen v0.17 does.
func field(name, fieldContext, structField, goType, marshal, nonNull string) string {
	return `func (ec *executionContext) ` + name + `(ctx context.Context, field graphql.CollectedField, obj *ent.User) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.` + fieldContext + `(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.` + structField + `, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v ` + goType + `) graphql.Marshaler {
			return ec.` + marshal + `(ctx, selections, v)
		},
		true,
		` + nonNull + `,
	)
}
`
}

func scalarContext(name string) string {
	return "func (ec *executionContext) " + name + "(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {\n\treturn graphql.NewScalarFieldContext(\"User\", field, false, false, \"String\")\n}\n"
}

func objectContext(name string) string {
	return "func (ec *executionContext) " + name + "(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {\n\tfc = &graphql.FieldContext{\n\t\tObject: \"User\",\n\t}\n\treturn fc, nil\n}\n"
}

func TestMarshalPlainScalars(t *testing.T) {
	t.Run("rewritten: scalars and enums, nullable pointers", func(t *testing.T) {
		for _, c := range []struct{ goType, marshal, nonNull, want string }{
			{"string", "marshalNString2string", "true", "return ec.marshalNString2string(ctx, field.Selections, obj.F)"},
			{"time.Time", "marshalNTime2timeᚐTime", "true", "return ec.marshalNTime2timeᚐTime(ctx, field.Selections, obj.F)"},
			{"*time.Time", "marshalOTime2ᚖtimeᚐTime", "false", "return ec.marshalOTime2ᚖtimeᚐTime(ctx, field.Selections, obj.F)"},
		} {
			src := field("_User_f", "fieldContext_User_f", "F", c.goType, c.marshal, c.nonNull) + scalarContext("fieldContext_User_f")
			out, n, err := marshalPlainScalars(src)
			if err != nil || n != 1 || !strings.Contains(out, c.want) || strings.Contains(out, "graphql.ResolveField(") {
				t.Errorf("%s: n=%d err=%v\n%s", c.goType, n, err, out)
			}
		}
	})
	t.Run("kept: objects, lists, non-null pointers", func(t *testing.T) {
		for _, src := range []string{
			field("_User_avatar", "fieldContext_User_avatar", "Avatar", "*ent.File", "marshalOFile2ᚖuserbridgeᚋentᚐFile", "false") + objectContext("fieldContext_User_avatar"),
			field("_User_privileges", "fieldContext_User_privileges", "Privileges", "[]string", "marshalOString2ᚕstringᚄ", "false") + scalarContext("fieldContext_User_privileges"),
			field("_User_p", "fieldContext_User_p", "P", "*string", "marshalNString2ᚖstring", "true") + scalarContext("fieldContext_User_p"),
		} {
			out, n, err := marshalPlainScalars(src)
			if err != nil || n != 0 || out != src {
				t.Errorf("n=%d err=%v\n%s", n, err, out)
			}
		}
	})
	t.Run("kept: a field with a resolver", func(t *testing.T) {
		src := strings.Replace(field("_User_f", "fieldContext_User_f", "F", "string", "marshalNString2string", "true"),
			"return obj.F, nil", "return ec.resolvers.User().F(ctx, obj)", 1) + scalarContext("fieldContext_User_f")
		if out, n, err := marshalPlainScalars(src); err != nil || n != 0 || out != src {
			t.Errorf("n=%d err=%v\n%s", n, err, out)
		}
	})
	t.Run("error: the field context is missing", func(t *testing.T) {
		src := field("_User_f", "fieldContext_User_f", "F", "string", "marshalNString2string", "true")
		if _, _, err := marshalPlainScalars(src); err == nil {
			t.Error("no error")
		}
	})
}
