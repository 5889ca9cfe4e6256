/* Shared between the crypto*.c files only; not part of the crypto API. */
#ifndef RAVPN_CRYPTO_INTERNAL_H
#define RAVPN_CRYPTO_INTERNAL_H

/* Builds the DH group parameters and runs one exchange, so dh_* works
 * after the sandbox closes the file system. */
void crypto_dh_preload(void);

#endif
