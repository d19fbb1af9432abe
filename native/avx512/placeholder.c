/* placeholder so the static library is not empty */ int kd_avx512_present_(void) { return 1; }
