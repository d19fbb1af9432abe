/* MinHash signature over shingle hashes: sig[i] = min over shingles s of fmix32(s xor salt[i]) (MurmurHash3's
 * finaliser), the kernel of src/data/minhash.ts MinHasher.signature, whose TypeScript loop is the specification.
 * Not here: shingling, banding or the LSH index (TypeScript). Per ISA: the inner loop runs over the P salts with
 * no dependence between lanes, so the compiler vectorizes it (8 lanes with AVX2, 16 with AVX-512). */
#include "kd_impl.h"
#include "kd_kernels.h"

/* P lanes at a time from a local copy, so that sig stays in registers for short signatures and the compiler
 * knows nothing aliases it. */
#define KD_MH_BLOCK 128

void KD_FN(kd_minhash)(const uint32_t *shingles, int64_t n, const uint32_t *salts, int64_t p, uint32_t *sig) {
  for (int64_t b0 = 0; b0 < p; b0 += KD_MH_BLOCK) {
    const int64_t nb = kd_min64(KD_MH_BLOCK, p - b0);
    uint32_t best[KD_MH_BLOCK], salt[KD_MH_BLOCK];
    for (int64_t i = 0; i < nb; i++) {
      best[i] = 0xffffffffu;
      salt[i] = salts[b0 + i];
    }
    for (int64_t s = 0; s < n; s++) {
      const uint32_t x = shingles[s];
      for (int64_t i = 0; i < nb; i++) {
        uint32_t v = x ^ salt[i];
        v ^= v >> 16;
        v *= 0x85ebca6bu;
        v ^= v >> 13;
        v *= 0xc2b2ae35u;
        v ^= v >> 16;
        best[i] = v < best[i] ? v : best[i];
      }
    }
    memcpy(sig + b0, best, (size_t)nb * sizeof(uint32_t));
  }
}
