module git.corp.example.com/platform/svc

go 1.22

require (
	git.corp.example.com/platform/auth v1.4.0
	github.com/contoso/telemetry v0.9.0
	github.com/google/uuid v1.6.0
)
