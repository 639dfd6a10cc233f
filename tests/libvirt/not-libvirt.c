/* A shared library that is not libvirt, put where the dynamic loader looks for libvirt.so.0 by
 * tests/libvirt/lazy-load.sh: it loads, but has none of libvirt's functions, so vnic's loader
 * (src/launch/libvirt_sym.c) must refuse it by name and keep nothing of it. */
int vnic_test_not_libvirt(void);

int vnic_test_not_libvirt(void)
{
    return 0;
}
