import { useEffect, useState } from 'react';
import { api, type Product } from './api.js';

let catalog: Promise<Product[]> | undefined;

/** The catalog with the account's prices, fetched once per page load. */
export function useProducts(): Product[] {
  const [products, setProducts] = useState<Product[]>([]);
  useEffect(() => {
    catalog ??= api<{ data: Product[] }>('GET', '/v1/products').then((r) => r.data);
    catalog.then(setProducts, () => (catalog = undefined));
  }, []);
  return products;
}

/** A product's name from the catalog, or its code until the catalog is there. */
export function productName(products: readonly Product[], code: string): string {
  return products.find((p) => p.code === code)?.name ?? code;
}
