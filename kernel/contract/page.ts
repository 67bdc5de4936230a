/** contract: lists answer `{items, next?}`, newest first; `next` is the cursor of the page after. */
export interface Page<T> {
  items: T[]
  next?: string
}
