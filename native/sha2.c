/*
 * SHA-256 and SHA-512 by the OpenSSL inside the Node executable, which
 * exports it for addons. The plugins hash a few dozen bytes per run (lock,
 * index and netfilter names); loading node:crypto for that costs ~5 ms of
 * CPU per invocation (docs/ARCHITECTURE.md, "The native addon").
 */
#include "addon.h"

/* SHA*_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, whose
 * first use in a process fetches the algorithm from a provider (0.22 ms
 * against 0.05 ms for these). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

/* sha2(bits, data) -> Buffer: the SHA-256 or SHA-512 digest of data. */
napi_value js_sha2(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t bits;
  void *data;
  size_t length;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t offset;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &bits) != napi_ok || (bits != 256 && bits != 512) ||
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected (256 | 512, data: Uint8Array)");
    return NULL;
  }
  unsigned char digest[SHA512_DIGEST_LENGTH];
  size_t digest_length = bits == 256 ? SHA256_DIGEST_LENGTH : SHA512_DIGEST_LENGTH;
  if (bits == 256) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, length);
    SHA256_Final(digest, &context);
  } else {
    SHA512_CTX context;
    SHA512_Init(&context);
    SHA512_Update(&context, data, length);
    SHA512_Final(digest, &context);
  }
  napi_value result;
  void *copy;
  napi_create_buffer_copy(env, digest_length, digest, &copy, &result);
  return result;
}
