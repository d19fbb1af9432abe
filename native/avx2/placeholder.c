/* placeholder so the static library is not empty */ int kd_avx2_present_(void) { return 1; }
