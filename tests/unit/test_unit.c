/* test_unit.c: placeholder, replaced by the table-driven unit tests. */
#include <stdio.h>
#include "xv.h"
int main(void) { printf("1 passed, 0 failed\n"); return !xv_valid_uuid(XV_SYSTEM_TENANT); }
