"use client";

import { flexRender, type Table } from "@tanstack/react-table";
import Link from "next/link";

const isNum = (meta: unknown) => (meta as { num?: boolean } | undefined)?.num === true;

/**
 * A TanStack table whose sorting lives in the URL (`sort`, `dir`): each sortable header is a link, so a sorted view
 * can be bookmarked and the browser's back button undoes a sort. Numeric columns (meta `num`) align right and sort
 * largest first.
 */
export function DataTable<T>({
  table,
  sort,
  desc,
  hrefWith,
  testId,
  empty,
  rowProps,
}: {
  table: Table<T>;
  sort: string;
  desc: boolean;
  hrefWith: (entries: Record<string, string | null>) => string;
  testId: string;
  empty: string;
  rowProps?: (row: T) => Record<string, string>;
}) {
  const columns = table.getVisibleLeafColumns().length;
  return (
    <div className="table-wrap">
      <table className="data" data-testid={testId}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = sort === header.column.id ? (desc ? "desc" : "asc") : false;
                const num = isNum(header.column.columnDef.meta);
                return (
                  <th key={header.id} className={num ? "num" : undefined} aria-sort={sorted ? (sorted === "desc" ? "descending" : "ascending") : undefined}>
                    {header.column.getCanSort() ? (
                      <Link
                        className="sort"
                        replace
                        scroll={false}
                        // Sorted already: flip it. Otherwise numbers start with the largest, text from A.
                        href={hrefWith({ sort: header.column.id, dir: (sorted ? sorted === "asc" : num) ? "desc" : null })}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden>{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                      </Link>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} {...rowProps?.(row.original)}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className={isNum(cell.column.columnDef.meta) ? "num" : undefined}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
          {table.getRowModel().rows.length === 0 && (
            <tr>
              <td colSpan={columns} className="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
