import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type InterfaceLister = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The host:port pairs a browser can use to reach a server bound to `boundAddress`: that address
 * itself, or every address of this machine's interfaces when bound to all of them (0.0.0.0 / ::),
 * plus "localhost" when a loopback address is among them. Read fresh on each call, because
 * interfaces come and go (Wi-Fi, DHCP) while a flashing station runs.
 */
export function reachableHosts(boundAddress: string, port: number, listInterfaces: InterfaceLister = networkInterfaces): Set<string> {
  const addresses: string[] = [];
  if (WILDCARDS.has(boundAddress)) {
    const ipv4Only = boundAddress === '0.0.0.0';
    for (const entries of Object.values(listInterfaces())) {
      for (const entry of entries ?? []) {
        if (ipv4Only && entry.family !== 'IPv4') continue;
        addresses.push(entry.address);
      }
    }
  } else {
    addresses.push(boundAddress);
  }
  const hosts = new Set<string>();
  for (const address of addresses) {
    // A zone (fe80::1%eth0) never appears in a URL's host.
    const bare = address.replace(/%.*$/, '');
    hosts.add(`${bare.includes(':') ? `[${bare}]` : bare}:${port}`);
    if (isLoopback(bare)) hosts.add(`localhost:${port}`);
  }
  return hosts;
}

/** The same, as the origins a page served from there carries ("http://192.168.1.20:8737"). */
export function reachableOrigins(boundAddress: string, port: number, listInterfaces: InterfaceLister = networkInterfaces): string[] {
  return [...reachableHosts(boundAddress, port, listInterfaces)].map((host) => `http://${host}`);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === 'localhost';
}
