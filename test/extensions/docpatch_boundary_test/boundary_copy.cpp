// The boundary layer under test, compiled into this test extension.
#include "boundary/boundary.cpp"
