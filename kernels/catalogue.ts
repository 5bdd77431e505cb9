/**
 * Named kernels users can write in a config or on the command line.
 * Each maps to a kernel spec understood by harness/kernels/spec.ts.
 */
export interface CatalogueEntry {
  spec: string;
  description: string;
}

export const catalogue: Record<string, CatalogueEntry> = {
  'debian-6.1': {
    spec: 'debian-series:6.1',
    description: 'newest Debian bookworm linux-image-6.1.*-amd64-unsigned in the apt index',
  },
  'debian-6.12': {
    spec: 'debian-series:6.12',
    description: 'newest Debian linux-image-6.12.*-amd64-unsigned in the apt index',
  },
};
