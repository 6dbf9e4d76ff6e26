# Viral shares: web3.py/titanoboa (requirements/shares.txt), and in shares/contracts the npm
# packages solc (solc-js compiler), @openzeppelin/contracts and @foundry-rs/anvil (the dev-chain
# binary ships inside @foundry-rs/anvil-<platform>, so its download-only postinstall is skipped).
# build.mjs recompiles only when the source hash differs from the committed build/manifest.json.
SHARES_CONTRACTS := src/flowai/shares/contracts
SHARES_SOURCES := $(wildcard $(SHARES_CONTRACTS)/src/*.sol $(SHARES_CONTRACTS)/test/*.sol)

PIP_REQUIREMENTS += requirements/shares.txt
BOOTSTRAP += $(STAMPS)/shares

$(STAMPS)/shares: $(SHARES_CONTRACTS)/package.json $(SHARES_CONTRACTS)/package-lock.json \
		$(SHARES_CONTRACTS)/build.mjs $(SHARES_SOURCES)
	@mkdir -p $(STAMPS)
	cd $(SHARES_CONTRACTS) && npm ci --no-audit --no-fund --ignore-scripts
	cd $(SHARES_CONTRACTS) && node build.mjs
	@touch $@

.PHONY: contracts
contracts: $(STAMPS)/shares
