module github.com/contoso/featurestore

go 1.22

toolchain go1.22.5

require (
	github.com/google/uuid v1.6.0
	go.uber.org/zap v1.27.0 // indirect
	golang.org/x/sync v0.7.0
)

require gopkg.in/yaml.v3 v3.0.1

replace github.com/contoso/internal => ../internal

replace golang.org/x/sync v0.7.0 => github.com/contoso/sync v0.7.1

exclude github.com/google/uuid v1.5.0
