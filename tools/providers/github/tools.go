//go:build tools

package tools

import _ "github.com/integrations/terraform-provider-github/v6"
