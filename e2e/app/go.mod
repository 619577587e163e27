module wtfb-deploy/e2e/app

go 1.22
