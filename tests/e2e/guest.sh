# Shared by the end-to-end test and the README's demo (.ci/demo): the guest a domain's NICs
# are tested with. Source it, then call build_initramfs. Needs: $tmp (a private directory),
# $busybox (static), $moddir (the guest kernel's modules) and a function fatal MESSAGE.
#
# build_initramfs: writes $tmp/initrd.cpio.gz, a busybox initramfs with the kernel's
# virtio-net modules whose /init configures every NIC named on the kernel command line
# (vnic.nic=MAC=ADDR/PREFIX, matched by MAC) as it appears, prints VNIC-GUEST-READY, and
# reports NICs that come and go (VNIC-GUEST-NIC-UP / VNIC-GUEST-NIC-GONE).

# find_guest_kernel: $kernel, the newest installed kernel that has its modules (or else the
# newest, to fail clearly), and $moddir; empty when there is none.
find_guest_kernel() {
    kernel=
    local k
    for k in $(ls /boot/vmlinuz-* 2>/dev/null | sort -rV); do
        [ -n "$kernel" ] || kernel=$k
        if [ -f "/lib/modules/${k#/boot/vmlinuz-}/modules.dep" ]; then
            kernel=$k
            break
        fi
    done
    moddir=/lib/modules/${kernel#/boot/vmlinuz-}
}

build_initramfs() {
    initrd=$tmp/initrd
    mkdir -p "$initrd"/{bin,dev,proc,sys,run,modules} || fatal "mkdir"
    cp "$busybox" "$initrd/bin/busybox" || fatal "cp busybox"
    for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$initrd/bin/$applet"
    done
    mknod -m 600 "$initrd/dev/console" c 5 1 || fatal "mknod console"

    # The modules a virtio-net NIC on PCI needs, each after its dependencies (from modules.dep;
    # compressed ones are unpacked, as busybox's insmod may not read them). Built-in ones need
    # nothing.
    declare -A mod_done=()
    mod_order=()
    mod_path() { # NAME -> path relative to $moddir, from modules.dep
        sed -n "s#^\([^:]*/$1\.ko\(\.[a-z]*\)\?\):.*#\1#p" "$moddir/modules.dep" | head -n 1
    }
    add_module() { # NAME or relative path
        local rel=$1 dep
        case $rel in */*) ;; *)
            if grep -q "/$rel\.ko\(\.[a-z]*\)\?$" "$moddir/modules.builtin" 2>/dev/null; then
                return 0
            fi
            rel=$(mod_path "$rel")
            [ -n "$rel" ] || fatal "module $1 not found in $moddir/modules.dep"
            ;;
        esac
        [ -n "${mod_done[$rel]:-}" ] && return 0
        mod_done[$rel]=1
        for dep in $(sed -n "s#^$rel: *##p" "$moddir/modules.dep"); do
            add_module "$dep"
        done
        local base
        base=$(basename "$rel")
        case $base in
        *.ko) cp "$moddir/$rel" "$initrd/modules/$base" ;;
        *.ko.xz) xz -dc "$moddir/$rel" >"$initrd/modules/${base%.xz}" ;;
        *.ko.gz) gzip -dc "$moddir/$rel" >"$initrd/modules/${base%.gz}" ;;
        *.ko.zst) zstd -qdc "$moddir/$rel" >"$initrd/modules/${base%.zst}" ;;
        *) fatal "unknown module format: $rel" ;;
        esac || fatal "cannot copy module $rel"
        base=${base%.ko*}.ko
        mod_order+=("$base")
    }
    add_module virtio_pci
    add_module virtio_net
    printf '%s\n' "${mod_order[@]}" >"$initrd/modules/order"
    echo "guest modules: ${mod_order[*]:-(all built in)}"

    cat >"$initrd/init" <<'EOF'
#!/bin/sh
# The guest's init: load the NIC modules, then configure every NIC named on the kernel
# command line (vnic.nic=MAC=ADDR/PREFIX, matched by MAC, never by ethN order) whenever it
# appears, report NICs that come and go, and keep running.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
for m in $(cat /modules/order); do
    insmod "/modules/$m" || echo "VNIC-GUEST-ERROR insmod $m"
done
ip link set lo up
# Two NICs on one uplink: only the one with the address answers ARP for it.
echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore
specs=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^vnic\.nic=//p')
up=""      # IFNAME=MAC of every NIC configured
failed=""  # IFNAME=MAC of every NIC that could not be configured (reported once)
pass() {
    for d in /sys/class/net/*; do
        n=${d##*/}
        [ "$n" = lo ] && continue
        mac=$(cat "$d/address" 2>/dev/null) || continue
        case " $up $failed " in *" $n=$mac "*) continue ;; esac
        for s in $specs; do
            [ "${s%%=*}" = "$mac" ] || continue
            addr=${s#*=}
            if ip link set "$n" up && ip addr add "$addr" dev "$n"; then
                up="$up $n=$mac"
                echo "VNIC-GUEST-NIC-UP $mac $n $addr"
            else
                failed="$failed $n=$mac"
                echo "VNIC-GUEST-ERROR cannot configure $n ($mac) with $addr"
            fi
        done
    done
    still=""
    for e in $up; do
        n=${e%%=*}
        if [ "$(cat "/sys/class/net/$n/address" 2>/dev/null)" = "${e#*=}" ]; then
            still="$still $e"
        else
            echo "VNIC-GUEST-NIC-GONE ${e#*=} $n"
        fi
    done
    up=$still
}
pass
echo "VNIC-GUEST-READY"
while :; do
    sleep 1
    pass
done
EOF
    chmod 755 "$initrd/init"
    (cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.cpio.gz" ||
        fatal "cannot pack the initramfs"
    echo "initramfs: $(du -k "$tmp/initrd.cpio.gz" | cut -f1) KiB"
}
