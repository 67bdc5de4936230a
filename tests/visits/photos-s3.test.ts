import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../gateway/config.ts'
import { amzDate, signV4 } from '../../gateway/visits/photos/s3.ts'
import { BUCKET_KEYS, type FakeBucket, startFakeBucket } from '../support/s3.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'
import { distinctPng } from './support/images.ts'
import { ahead, carerToken, upload } from './support/visits.ts'

/** Visit photos in an S3-compatible bucket (CARE_PHOTO_S3_URL), docs/visits.md. */

describe('AWS Signature Version 4', () => {
  it('signs the example of the S3 documentation exactly as AWS does (GET /test.txt, a range)', () => {
    // "Signature Calculations for the Authorization Header", Example: GET Object (Amazon S3 API reference)
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    const header = signV4({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      query: '',
      headers: { range: 'bytes=0-9', 'x-amz-content-sha256': empty, 'x-amz-date': '20130524T000000Z' },
      payloadHash: empty,
      region: 'us-east-1',
      accessKey: 'AKIAIOSFODNN7EXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    })
    expect(header).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    )
    expect(amzDate(Date.UTC(2013, 4, 24))).toBe('20130524T000000Z')
  })
})

describe('visit photos in a bucket', () => {
  let bucket: FakeBucket
  let world: World

  beforeAll(async () => {
    bucket = await startFakeBucket()
    world = await startWorld({
      env: {
        CARE_PHOTO_S3_URL: bucket.url,
        CARE_PHOTO_S3_ACCESS_KEY: BUCKET_KEYS.accessKey,
        CARE_PHOTO_S3_SECRET_KEY: BUCKET_KEYS.secretKey,
        CARE_PHOTO_S3_REGION: BUCKET_KEYS.region,
      },
    })
    await world.carer('CR1', offset(HOME, 40, 0))
  })
  afterAll(async () => {
    await world.stop()
    await bucket.stop()
  })

  it('keeps a photo in the bucket by its hash, serves it from there, and erasure removes it', async () => {
    await world.elder('EB1')
    await world.api('PUT', '/api/v1/elders/EB1/visit-plan', { carerId: 'CR1' })
    const visit = await ahead(world, 'EB1')
    const token = await carerToken(world, 'CR1')
    const up = await upload(world, visit.id, token, distinctPng(7, 'GPS 31.23N'), 'image/png')
    expect(up.status).toBe(201)
    const id = up.body.id as string
    // in the bucket, signed right (the bucket refuses anything else), its location text gone
    expect(bucket.objects.get(id)?.type).toBe('image/png')
    expect(bucket.objects.get(id)?.body.includes('GPS 31.23N')).toBe(false)
    expect(existsSync(join(world.dataDir, 'photos'))).toBe(false)

    const served = await world.app.surface.inject({
      method: 'GET',
      url: `/api/v1/visits/${visit.id}/photos/${id}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(served.statusCode).toBe(200)
    expect(served.headers['content-type']).toBe('image/png')
    expect(served.rawPayload.equals(bucket.objects.get(id)?.body as Buffer)).toBe(true)

    const erased = await world.api('DELETE', '/api/v1/elders/EB1')
    expect(erased).toMatchObject({ status: 200, body: { photos: 1 } })
    await expect.poll(() => bucket.objects.has(id)).toBe(false)
    expect(bucket.requests.filter((r) => r.key === id).map((r) => r.method)).toEqual([
      'PUT',
      'GET',
      'HEAD',
      'DELETE',
    ])
  })

  it('refuses a configuration with a bucket and no keys, naming what is missing', () => {
    const env = { CARE_PHOTO_S3_URL: bucket.url }
    expect(() => loadConfig({ env, file: join(world.dataDir, 'none.json') })).toThrow(
      /CARE_PHOTO_S3_URL needs CARE_PHOTO_S3_ACCESS_KEY/,
    )
  })
})
