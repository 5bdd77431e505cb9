# A firmwared-style instance profile: allow everything, then take away the
# global resources an instance's pid 1 could harm. @{root} is the instance's
# root, known only at run time; the harness defines it above this text.
profile lsmm_firmware_@{instance} {
  capability,
  file,
  mount,
  umount,
  signal,
  ptrace,
  unix,
  network,
  audit deny @{root}/proc/sysrq-trigger lrwx,
  deny @{root}/proc/kcore lrwx,
}
