module certguard.local/e2e/hostname-oracle

go 1.26.0
