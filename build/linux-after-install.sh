#!/bin/sh
# Serial ports on Debian/Ubuntu belong to the "dialout" group; tell the installer's user once.
echo "Kiln: to use USB serial adapters without root, add yourself to the dialout group: sudo usermod -aG dialout \$USER (then log out and in)."
