#!/usr/bin/env sh
# Regenerates the OpenSSL-made key files in this folder (random each run; commit the output).
set -eu
cd "$(dirname "$0")"
pass=openssl-vector-passphrase
openssl genpkey -algorithm ed25519 -out ed25519.pem
openssl pkey -in ed25519.pem -pubout -out ed25519.pub.pem
openssl pkey -in ed25519.pem -text -noout >ed25519.txt
openssl pkcs8 -topk8 -v2 aes-256-cbc -in ed25519.pem -passout "pass:$pass" -out ed25519-pbkdf2.pem
openssl pkcs8 -topk8 -scrypt -in ed25519.pem -passout "pass:$pass" -out ed25519-scrypt.pem
# 8388608 = 0x800000 iterations: a 4-byte DER INTEGER that generate.py raises to 2^31 - 1.
openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 8388608 -in ed25519.pem -passout "pass:$pass" \
    -out ed25519-pbkdf2-8m.pem
openssl genpkey -algorithm ed448 -out ed448.pem
openssl genpkey -algorithm x25519 -out x25519.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
for k in ed448 x25519 p256 rsa2048; do openssl pkey -in "$k.pem" -pubout -out "$k.pub.pem"; done
openssl version >openssl-version.txt
