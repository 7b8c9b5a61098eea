"""The internal certificate authority and the firm's key custody.

pki: root and issuing CAs, certificates for signers, the firm, the TSA and the delegated OCSP
responder, CRLs and OCSP answers (revocation); firm_keys, firm_keys_pkcs11, firm_token and
firm_token_enrol: where the firm's signing key lives (generated, PKCS#12, PKCS#11 token);
key_vault: the deployment's CA and TSA keys kept in the blob store. Knows no service: it may
use servicekit (blob store, locks) and the PAdES engine.
"""
